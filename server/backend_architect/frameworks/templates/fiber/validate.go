// validate checks request structs against their `validate` tags (go-playground/validator).
var validate = validator.New()
