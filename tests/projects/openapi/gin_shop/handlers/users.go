package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

type Address struct {
	Street   string  `json:"street"`
	City     string  `json:"city"`
	Postcode *string `json:"postcode,omitempty"`
}

type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Tags      []string  `json:"tags"`
	Address   *Address  `json:"address,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Password  string    `json:"-"`
}

type CreateUserInput struct {
	Email    string   `json:"email" binding:"required,email"`
	Name     string   `json:"name" binding:"required,max=100"`
	Password string   `json:"password" binding:"required,min=8"`
	Tags     []string `json:"tags"`
	Address  *Address `json:"address"`
}

var users = map[int64]User{}

func RegisterUserRoutes(g *gin.RouterGroup) {
	g.GET("/users/:id", getUser)
	g.POST("/users", createUser)
	g.DELETE("/users/:id", deleteUser)
}

func getUser(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "VALIDATION_ERROR", "message": "bad id"}})
		return
	}
	var user User
	user, ok := users[id]
	if !ok {
		c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "NOT_FOUND", "message": "no such user"}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": user})
}

func createUser(c *gin.Context) {
	var in CreateUserInput
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "VALIDATION_ERROR", "message": err.Error()}})
		return
	}
	for _, u := range users {
		if u.Email == in.Email {
			c.JSON(http.StatusConflict, gin.H{"error": gin.H{"code": "CONFLICT", "message": "email taken"}})
			return
		}
	}
	user := User{ID: int64(len(users) + 1), Email: in.Email, Name: in.Name, Tags: in.Tags, Address: in.Address, CreatedAt: time.Now()}
	users[user.ID] = user
	c.JSON(http.StatusCreated, gin.H{"data": user})
}

func deleteUser(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	delete(users, id)
	c.Status(http.StatusNoContent)
}
