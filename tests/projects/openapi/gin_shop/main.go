package main

import (
	"github.com/gin-gonic/gin"

	"shop/handlers"
)

func main() {
	r := gin.New()
	api := r.Group("/api")
	handlers.RegisterUserRoutes(api)
	r.Run(":8080")
}
