import { z } from "zod";

export const Address = z.object({
  street: z.string(),
  city: z.string(),
  postcode: z.string().nullable().optional(),
});

export const CreateUser = z.object({
  email: z.string().email(),
  name: z.string().min(1).max(100),
  age: z.number().int().min(0).optional(),
  tags: z.array(z.string()).default([]),
  address: Address.optional(),
});

export const UpdateUser = CreateUser.partial();

export const UserOut = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  age: z.number().int().nullable(),
  tags: z.array(z.string()),
  status: z.enum(["active", "disabled"]),
  createdAt: z.string().datetime(),
});

export type CreateUserInput = z.infer<typeof CreateUser>;
