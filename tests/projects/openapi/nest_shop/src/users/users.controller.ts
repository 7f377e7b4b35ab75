import { Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseIntPipe, Post } from "@nestjs/common";
import { CreateUserDto, UserView } from "./users.dto";

@Controller("users")
export class UsersController {
  private readonly users = new Map<number, UserView>();

  @Get(":id")
  findOne(@Param("id", ParseIntPipe) id: number): UserView {
    const user = this.users.get(id);
    if (!user) throw new NotFoundException();
    return user;
  }

  @Post()
  create(@Body() dto: CreateUserDto): UserView {
    for (const u of this.users.values()) {
      if (u.email === dto.email) throw new ConflictException("email taken");
    }
    const user: UserView = { id: this.users.size + 1, email: dto.email, name: dto.name, age: dto.age ?? null, roles: ["member"] };
    this.users.set(user.id, user);
    return user;
  }

  @Delete(":id")
  @HttpCode(204)
  remove(@Param("id", ParseIntPipe) id: number): void {
    this.users.delete(id);
  }
}
