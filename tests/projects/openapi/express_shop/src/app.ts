import express from "express";
import { requireAuth } from "./auth";
import { usersRouter } from "./routes/users";

const app = express();
app.use(express.json());
app.use("/api/users", requireAuth, usersRouter);

app.listen(3000);
