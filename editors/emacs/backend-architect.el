;;; Backend Architect with eglot (built into Emacs 29+; on Emacs 26.3-28 install the
;;; `eglot' package, e.g. M-x package-install RET eglot, or Debian's elpa-eglot).
;;; Put this in your init file.
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               ;; eglot runs one server per buffer: add python-mode, go-mode, js-mode,
               ;; typescript-mode... here only if you use no other server for them.
               '((sql-mode) . ("backend-architect" "serve"
                               :initializationOptions (:postgresVersion 15)))))
;; connect by itself in SQL buffers (elsewhere: M-x eglot)
(add-hook 'sql-mode-hook #'eglot-ensure)
