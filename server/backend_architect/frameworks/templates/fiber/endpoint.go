// Package {{package}}: HTTP endpoints for {{entities}}.
package {{package}}

import (
	"context"
	"fmt"
	"strconv"
{{extra_imports}}
	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
)

// {{Entity}}Body is the validated body of POST, PUT and PATCH {{base}}.
type {{Entity}}Body struct {
{{fields}}
}

// {{Entity}}Store is what these handlers need from the {{entities}} repository.
type {{Entity}}Store interface {
	FindByID(ctx context.Context, id int64) (row any, found bool, err error)
	FindAll(ctx context.Context, page, limit int, sort, order string) (rows any, total int64, err error)
	Create(ctx context.Context, in {{Entity}}Body) (any, error)
	Update(ctx context.Context, id int64, in {{Entity}}Body) (row any, found bool, err error)
	Delete(ctx context.Context, id int64) (bool, error)
}

var {{entities}}Sortable = map[string]bool{ {{sortable}} }

var {{entity}}Validate = validator.New()

func {{entity}}Error(c *fiber.Ctx, status int, code, message string, details []fiber.Map) error {
	if details == nil {
		details = []fiber.Map{}
	}
	return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": message, "details": details}})
}

func {{entity}}ID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, {{entity}}Error(c, fiber.StatusBadRequest, "VALIDATION_ERROR", "id must be a positive integer", []fiber.Map{{"field": "id", "message": "not a positive integer"}})
	}
	return id, nil
}

// {{entity}}Body parses and validates the request body (partial: PATCH, only the fields sent).
func {{entity}}Body(c *fiber.Ctx, partial bool) ({{Entity}}Body, error) {
	var body {{Entity}}Body
	if err := c.BodyParser(&body); err != nil {
		return body, {{entity}}Error(c, fiber.StatusUnprocessableEntity, "VALIDATION_ERROR", "the request body is not valid JSON", nil)
	}
	var err error
	if partial {
		err = {{entity}}Validate.StructPartial(body)
	} else {
		err = {{entity}}Validate.Struct(body)
	}
	if err != nil {
		return body, {{entity}}Error(c, fiber.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error(), nil)
	}
	return body, nil
}

// Register{{Entities}}Routes mounts the {{entities}} endpoints on r.
func Register{{Entities}}Routes(r fiber.Router, store {{Entity}}Store) {
	g := r.Group("{{base}}")
	g.Get("", func(c *fiber.Ctx) error {
		page, err1 := strconv.Atoi(c.Query("page", "1"))
		limit, err2 := strconv.Atoi(c.Query("limit", "20"))
		sort := c.Query("sort", "{{id_column}}")
		order := c.Query("order", "asc")
		if err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{{entities}}Sortable[sort] || (order != "asc" && order != "desc") {
			return {{entity}}Error(c, fiber.StatusBadRequest, "VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)
		}
		rows, total, err := store.FindAll(c.UserContext(), page, limit, sort, order)
		if err != nil {
			return {{entity}}Error(c, fiber.StatusInternalServerError, "INTERNAL", "could not list {{entities}}", nil)
		}
		at := func(p int) string { return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", c.Path(), p, limit, sort, order) }
		var next, prev any
		if int64(page*limit) < total {
			next = at(page + 1)
		}
		if page > 1 {
			prev = at(page - 1)
		}
		return c.JSON(fiber.Map{"data": rows, "meta": fiber.Map{"page": page, "limit": limit, "total": total}, "links": fiber.Map{"self": at(page), "next": next, "prev": prev}})
	})
	g.Get("/:id", func(c *fiber.Ctx) error {
		id, err := {{entity}}ID(c)
		if err != nil {
			return err
		}
		row, found, err := store.FindByID(c.UserContext(), id)
		if err != nil {
			return {{entity}}Error(c, fiber.StatusInternalServerError, "INTERNAL", "could not read the {{entity}}", nil)
		}
		if !found {
			return {{entity}}Error(c, fiber.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{{entity}} %d not found", id), nil)
		}
		return c.JSON(fiber.Map{"data": row})
	})
	g.Post("", func(c *fiber.Ctx) error {
		body, err := {{entity}}Body(c, false)
		if err != nil {
			return err
		}
		row, err := store.Create(c.UserContext(), body)
		if err != nil {
			return {{entity}}Error(c, fiber.StatusInternalServerError, "INTERNAL", "could not create the {{entity}}", nil)
		}
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"data": row})
	})
	update := func(partial bool) fiber.Handler {
		return func(c *fiber.Ctx) error {
			id, err := {{entity}}ID(c)
			if err != nil {
				return err
			}
			body, err := {{entity}}Body(c, partial)
			if err != nil {
				return err
			}
			row, found, err := store.Update(c.UserContext(), id, body)
			if err != nil {
				return {{entity}}Error(c, fiber.StatusInternalServerError, "INTERNAL", "could not update the {{entity}}", nil)
			}
			if !found {
				return {{entity}}Error(c, fiber.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{{entity}} %d not found", id), nil)
			}
			return c.JSON(fiber.Map{"data": row})
		}
	}
	g.Put("/:id", update(false))
	g.Patch("/:id", update(true))
	g.Delete("/:id", func(c *fiber.Ctx) error {
		id, err := {{entity}}ID(c)
		if err != nil {
			return err
		}
		deleted, err := store.Delete(c.UserContext(), id)
		if err != nil {
			return {{entity}}Error(c, fiber.StatusInternalServerError, "INTERNAL", "could not delete the {{entity}}", nil)
		}
		if !deleted {
			return {{entity}}Error(c, fiber.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{{entity}} %d not found", id), nil)
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}
