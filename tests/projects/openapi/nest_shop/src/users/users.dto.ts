import { IsEmail, IsInt, IsOptional, IsString, Min } from "class-validator";

export class CreateUserDto {
  @IsEmail()
  readonly email!: string;

  @IsString()
  readonly name!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  readonly age?: number;
}

export interface UserView {
  id: number;
  email: string;
  name: string;
  age: number | null;
  roles: ("admin" | "member")[];
}
