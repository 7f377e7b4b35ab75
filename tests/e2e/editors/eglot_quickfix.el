;;; Drives batch Emacs + eglot through the editor scenario of tests/e2e/editors:
;;; load the README's snippet unchanged, visit the migration, wait for MG001 from
;;; flymake, read the hover doc through eldoc, run `eglot-code-actions' for the
;;; quickfix kind and accept its default (the preferred action) with RET on stdin,
;;; then save. Everything seen is written as JSON to $BA_REPORT for the Python test.
;;;
;;;   echo | emacs --batch -l eglot_quickfix.el
;;;   with BA_FILE=the migration, BA_EMACS_CONFIG=editors/emacs/backend-architect.el
;;;   and BA_REPORT=report.json
(require 'package)
(package-initialize)                    ; eglot from ELPA or Debian's elpa-eglot
(require 'json)
(require 'cl-lib)

(defvar ba-report nil)
(defvar ba-t0 (float-time))
(defun ba-put (key value) (setq ba-report (plist-put ba-report key value)))
(defun ba-step (name)
  (ba-put :steps (vconcat (plist-get ba-report :steps)
                          (list (list :name name :ms (round (* 1000 (- (float-time) ba-t0))))))))
(defun ba-wait (pred seconds)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))
(defun ba-lsp-diag (d) (cdr (assoc 'eglot-lsp-diag (eglot--diag-data d))))
(defun ba-finish (code)
  (with-temp-file (getenv "BA_REPORT") (insert (json-encode ba-report)))
  (kill-emacs code))

(defun ba-run ()
  (load (getenv "BA_EMACS_CONFIG") nil t)   ; the README snippet
  (ba-step "config loaded")
  (find-file (getenv "BA_FILE"))
  (ba-put :mode (symbol-name major-mode))
  ;; eglot-ensure connects when the command that visited the file ends
  (run-hooks 'post-command-hook)
  (ba-put :eglot-version (if (boundp 'eglot--version) eglot--version
                           (let ((d (cadr (assq 'eglot package-alist))))
                             (and d (package-version-join (package-desc-version d))))))
  (unless (ba-wait #'eglot-current-server 20) (error "eglot did not connect"))
  (ba-put :server-command (vconcat (process-command (jsonrpc--process (eglot-current-server)))))
  (let (mg001)
    (ba-wait (lambda ()
               (setq mg001 (cl-find-if (lambda (d) (equal (plist-get (ba-lsp-diag d) :code) "MG001"))
                                       (flymake-diagnostics)))
               mg001)
             30)
    (ba-put :diagnostics
            (vconcat (mapcar (lambda (d) (list :code (plist-get (ba-lsp-diag d) :code)
                                               :line (line-number-at-pos (flymake-diagnostic-beg d))
                                               :text (flymake-diagnostic-text d)))
                             (flymake-diagnostics))))
    (unless mg001 (error "no MG001 diagnostic within 30 s"))
    (ba-step "MG001 published")
    (goto-char (flymake-diagnostic-beg mg001))
    ;; hover: eglot's eldoc function, as M-x eldoc would show it
    (let (hover)
      (eglot-hover-eldoc-function (lambda (info &rest _) (setq hover (or info ""))))
      (ba-wait (lambda () hover) 10)
      (ba-put :hover hover))
    (ba-step "hover received")
    ;; M-x eglot-code-actions on the diagnostic: two quickfixes are offered, the
    ;; prompt's default is the preferred one, and RET (from stdin) takes it
    (let ((last-nonmenu-event ?\r))
      (eglot-code-actions (flymake-diagnostic-beg mg001) (flymake-diagnostic-end mg001) "quickfix" t))
    (ba-put :modified (if (buffer-modified-p) t :json-false))
    (ba-step "quick fix applied")
    (save-buffer)
    (ba-put :modified-after-save (if (buffer-modified-p) t :json-false))
    (ba-step "saved")))

(condition-case err
    (progn (ba-run) (ba-finish 0))
  (error (ba-put :error (error-message-string err)) (ba-finish 1)))
