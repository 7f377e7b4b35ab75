"""extract_routes for every supported framework: method, path, handler, reads, guards."""

from __future__ import annotations

import textwrap

from backend_architect.app.routes import extract_routes, framework_of, normalise_path
from backend_architect.core.document import Document


def routes(src: str, path: str):
    doc = Document(textwrap.dedent(src), path=path)
    return doc, extract_routes(doc)


def one(rs, method, path):
    found = [r for r in rs if r.method == method and r.path == path]
    assert len(found) == 1, [(r.method, r.path) for r in rs]
    return found[0]


def reads(r):
    return sorted(((x.kind, x.name) for x in r.reads), key=lambda t: (t[0], t[1] or ""))


def test_normalise_path():
    assert normalise_path("/users/:id") == "/users/{id}"
    assert normalise_path("users/<int:pk>/") == "/users/{pk}"
    assert normalise_path(r"^articles/(?P<slug>[-\w]+)/?$") == "/articles/{slug}"
    assert normalise_path("/files/{path:path}") == "/files/{path}"
    assert normalise_path("/r/{id:[0-9]+}", "/api/") == "/api/r/{id}"
    assert normalise_path("/static/*filepath") == "/static/{filepath}"


def test_fastapi():
    doc, rs = routes('''
        from fastapi import APIRouter, Depends, Request
        router = APIRouter(prefix="/users", dependencies=[Depends(verify_token)])

        @router.post("/{user_id}/notes", status_code=201, response_model=NoteOut)
        @limiter.limit("5/minute")
        async def create_note(user_id: int, body: NoteIn, request: Request, q: str | None = None,
                              user=Depends(get_current_user), db=Depends(get_db)):
            data = await request.json()
            return {"n": data["title"]}
    ''', "app/api.py")
    assert framework_of(doc) == "fastapi"
    r = one(rs, "POST", "/users/{user_id}/notes")
    assert (r.framework, r.handler, r.schema, r.response_model) == ("fastapi", "create_note", "NoteIn", "NoteOut")
    assert r.guards == ["verify_token", "get_current_user"]
    assert r.limiter and r.status_codes[0] == 201 and r.returns_body
    assert ("path", "user_id") in reads(r) and ("body", "body") in reads(r) and ("query", "q") in reads(r)
    assert ("body", "title") in reads(r)
    assert doc.data[r.decl_start:r.decl_end].startswith(b"@router.post")
    assert doc.data[r.start:r.end].startswith(b"async def create_note")


def test_flask():
    doc, rs = routes('''
        from flask import Blueprint, request, jsonify
        bp = Blueprint("items", __name__, url_prefix="/items")

        @bp.route("/<int:item_id>", methods=["PUT", "DELETE"])
        @login_required
        def item(item_id):
            name = request.json["name"]
            page = request.args.get("page", type=int)
            return jsonify({}), 200
    ''', "app/views.py")
    assert framework_of(doc) == "flask"
    assert sorted(r.method for r in rs) == ["DELETE", "PUT"]
    r = one(rs, "PUT", "/items/{item_id}")
    assert r.handler == "item" and r.guards == ["login_required"]
    assert ("body", "name") in reads(r) and ("query", "page") in reads(r)
    assert r.status_codes == [200]


def test_flask_restx_and_restful_resources_and_method_views():
    doc, rs = routes('''
        from flask import request
        from flask.views import MethodView
        from flask_restx import Namespace, Resource
        from flask_login import login_required
        ns = Namespace("todos", path="/todos")

        @ns.route("/<int:todo_id>")
        class Todo(Resource):
            method_decorators = [login_required]
            def get(self, todo_id):
                return DAO.get(todo_id)
            @ns.expect(todo_model, validate=True)
            def put(self, todo_id):
                return DAO.update(todo_id, request.json)

        class TodoList(Resource):
            def post(self):
                data = request.get_json()
                return DAO.create(data["title"]), 201

        class UserAPI(MethodView):
            decorators = [login_required]
            def delete(self, user_id):
                return "", 204

        api.add_resource(TodoList, "/lists", "/lists/")
        app.add_url_rule("/users/<int:user_id>", view_func=UserAPI.as_view("user"))
    ''', "app/todos.py")
    assert sorted((r.method, r.path) for r in rs) == [
        ("DELETE", "/users/{user_id}"), ("GET", "/todos/{todo_id}"), ("POST", "/lists"), ("PUT", "/todos/{todo_id}")]
    put = one(rs, "PUT", "/todos/{todo_id}")
    assert (put.handler, put.guards, put.schema, put.group) == ("Todo.put", ["login_required"], "todo_model", "ns")
    assert ("body", None) in reads(put)
    post = one(rs, "POST", "/lists")
    assert post.guards == [] and ("body", "title") in reads(post) and post.status_codes == [201]
    assert one(rs, "DELETE", "/users/{user_id}").guards == ["login_required"]
    assert doc.data[put.decl_start:put.decl_end].startswith(b"@ns.expect")


def test_django_views_take_paths_from_urls(tmp_path):
    (tmp_path / "urls.py").write_text(textwrap.dedent('''
        from django.urls import path, re_path
        from rest_framework.routers import DefaultRouter
        from . import views
        router = DefaultRouter()
        router.register(r"articles", views.ArticleViewSet)
        urlpatterns = [
            path("notes/<int:pk>/", views.note_detail),
            re_path(r"^profiles/(?P<username>\\w+)/?$", views.ProfileView.as_view()),
        ]
    '''))
    views = tmp_path / "views.py"
    src = '''
        import json
        from django.http import JsonResponse
        from rest_framework.views import APIView
        from rest_framework.viewsets import ModelViewSet
        from rest_framework.permissions import IsAuthenticated

        @require_http_methods(["POST"])
        def note_detail(request, pk):
            payload = json.loads(request.body)
            return JsonResponse({"t": payload["title"]}, status=201)

        class ProfileView(APIView):
            permission_classes = (IsAuthenticated,)
            def get(self, request, username):
                return Response({})

        class ArticleViewSet(ModelViewSet):
            serializer_class = ArticleSerializer
            def destroy(self, request, pk=None):
                return Response(status=204)
    '''
    views.write_text(textwrap.dedent(src))
    doc, rs = routes(src, str(views))
    assert framework_of(doc) == "django"
    r = one(rs, "POST", "/notes/{pk}")
    assert r.handler == "note_detail" and ("body", "title") in reads(r) and r.status_codes == [201]
    p = one(rs, "GET", "/profiles/{username}")
    assert p.handler == "ProfileView.get" and p.guards == ["IsAuthenticated"]
    d = one(rs, "DELETE", "/articles/{pk}")
    assert d.handler == "ArticleViewSet.destroy" and d.response_model == "ArticleSerializer"


def test_express():
    doc, rs = routes('''
        const express = require("express");
        const router = express.Router();
        router.use(requireAuth);
        router.post("/orders/:id/items", loginLimiter, validate(itemSchema), async (req, res) => {
          const { sku, qty } = req.body;
          res.status(201).json({ id: req.params.id, page: req.query.page });
        });
        router.route("/tags").get(listTags).post(createTag);
        function listTags(req, res) { res.json([]); }
    ''', "src/routes.js")
    assert framework_of(doc) == "express"
    r = one(rs, "POST", "/orders/{id}/items")
    assert r.guards == ["requireAuth"] and r.limiter and r.schema == "validate(itemSchema)"
    assert reads(r) == [("body", "qty"), ("body", "sku"), ("path", "id"), ("query", "page")]
    assert r.status_codes == [201] and r.returns_body
    t = one(rs, "GET", "/tags")
    assert t.handler == "listTags" and t.handler_in_file
    c = one(rs, "POST", "/tags")
    assert c.handler == "createTag" and not c.handler_in_file


def test_fastify():
    doc, rs = routes('''
        import Fastify from "fastify";
        const app = Fastify();
        app.post("/login", { schema: { body: loginSchema }, preHandler: [app.authenticate], config: { rateLimit: { max: 5 } } },
          async (request, reply) => { reply.code(200); return { t: request.body.user }; });
        app.route({ method: "DELETE", url: "/sessions/:id", handler: async (request, reply) => { reply.code(204); } });
    ''', "src/app.ts")
    assert framework_of(doc) == "fastify"
    r = one(rs, "POST", "/login")
    assert r.schema and r.limiter and r.guards == ["[app.authenticate]"]
    assert ("body", "user") in reads(r)
    d = one(rs, "DELETE", "/sessions/{id}")
    assert d.status_codes == [204]


def test_nestjs():
    doc, rs = routes('''
        import { Controller, Get, Post, Body, Param, Query, UseGuards, HttpCode } from "@nestjs/common";
        @Controller("articles")
        @UseGuards(JwtAuthGuard)
        export class ArticlesController {
          @Get(":slug")
          findOne(@Param("slug") slug: string, @Query() query: ListQuery): Promise<ArticleRO> { return this.s.find(slug); }

          @Post()
          @HttpCode(200)
          @UseGuards(RolesGuard)
          create(@Body("article") dto: CreateArticleDto) { return this.s.create(dto); }
        }
    ''', "src/articles.controller.ts")
    assert framework_of(doc) == "nestjs"
    g = one(rs, "GET", "/articles/{slug}")
    assert g.handler == "ArticlesController.findOne" and g.guards == ["JwtAuthGuard"] and g.response_model == "ArticleRO"
    assert reads(g) == [("path", "slug"), ("query", None)]
    p = one(rs, "POST", "/articles")
    assert p.guards == ["JwtAuthGuard", "RolesGuard"] and p.schema == "CreateArticleDto" and p.status_codes == [200]
    assert reads(p) == [("body", "article")]


def test_gin():
    doc, rs = routes('''
        package main
        import "github.com/gin-gonic/gin"
        func main() {
            r := gin.Default()
            api := r.Group("/api")
            api.Use(AuthMiddleware(true))
            users := api.Group("/users", RateLimit(10))
            users.PUT("/:id", UpdateUser)
        }
        func UpdateUser(c *gin.Context) {
            var in UserInput
            c.ShouldBindJSON(&in)
            c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "q": c.Query("q"), "f": c.PostForm("name")})
        }
    ''', "main.go")
    assert framework_of(doc) == "gin"
    r = one(rs, "PUT", "/api/users/{id}")
    assert r.handler == "UpdateUser" and r.limiter and r.guards == ["AuthMiddleware(true)"]
    assert r.schema == "UserInput" and r.status_codes == [200]
    assert reads(r) == [("body", None), ("form", "name"), ("path", "id"), ("query", "q")]


def test_echo():
    doc, rs = routes('''
        package main
        import "github.com/labstack/echo/v4"
        func main() {
            e := echo.New()
            g := e.Group("/admin", JWTAuth())
            g.DELETE("/users/:id", deleteUser, Audit)
        }
        func deleteUser(c echo.Context) error {
            id := c.Param("id")
            return c.NoContent(http.StatusNoContent)
        }
    ''', "main.go")
    assert framework_of(doc) == "echo"
    r = one(rs, "DELETE", "/admin/users/{id}")
    assert r.handler == "deleteUser" and r.guards == ["JWTAuth()"] and r.status_codes == [204]
    assert reads(r) == [("path", "id")]


def test_net_http_and_gorilla():
    doc, rs = routes('''
        package main
        import "net/http"
        func routes(mux *http.ServeMux) {
            mux.HandleFunc("GET /users/{id}", getUser)
            http.HandleFunc("/health", health)
        }
        func getUser(w http.ResponseWriter, r *http.Request) {
            id := r.PathValue("id")
            q := r.URL.Query().Get("expand")
            w.WriteHeader(http.StatusOK)
        }
    ''', "main.go")
    assert framework_of(doc) == "net/http"
    r = one(rs, "GET", "/users/{id}")
    assert reads(r) == [("path", "id"), ("query", "expand")] and r.status_codes == [200]
    assert one(rs, "ANY", "/health").handler == "health"
    _, rs = routes('''
        package main
        import "github.com/gorilla/mux"
        func routes(r *mux.Router) {
            r.HandleFunc("/users/{id:[0-9]+}", h.updateUser).Methods(http.MethodPut)
        }
    ''', "main.go")
    r = one(rs, "PUT", "/users/{id}")
    assert r.handler == "h.updateUser" and not r.handler_in_file


def test_routes_fact_and_no_framework():
    from backend_architect.core.engine import Context
    from backend_architect.config import Settings

    doc = Document("def f(request):\n    return request.json\n", path="plain.py")
    assert framework_of(doc) is None and extract_routes(doc) == []
    doc = Document('from fastapi import FastAPI\napp = FastAPI()\n@app.get("/x")\ndef x():\n    return 1\n', path="a.py")
    ctx = Context(doc, Settings())
    assert [(r.method, r.path) for r in ctx.fact("routes")] == [("GET", "/x")]


def test_gin_chained_group_and_use():
    _, rs = routes('''
        package router

        import "github.com/gin-gonic/gin"

        func Create(g *gin.Engine) {
        	g.Group("/user").Use(authentication.Optional).POST("", users.Create)
        	g.Group("/").Use(authentication.RequireClient).POST("/message", messages.Create)
        	g.Group("/api", auth.Required()).Group("/v1").DELETE("/notes/:id", notes.Delete)
        }
    ''', "router/router.go")
    assert one(rs, "POST", "/user").guards == []
    assert one(rs, "POST", "/message").guards == ["authentication.RequireClient"]
    r = one(rs, "DELETE", "/api/v1/notes/{id}")
    assert r.guards == ["auth.Required()"] and r.group == "g"
