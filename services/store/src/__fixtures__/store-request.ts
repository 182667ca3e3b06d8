import { newEnvelope, StoreRequest } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";

type Fields<T extends StoreRequest["type"]> = Omit<
  Extract<StoreRequest, { type: T }>,
  "id" | "type" | "v" | "chatId" | "occurredAt" | "traceparent"
> & { chatId?: string };

let requests = 0;

/** A store request as the StoreClient sends it, checked against the schema as the bus checks it. */
export function storeRequest<T extends StoreRequest["type"]>(type: T, fields: Fields<T>): StoreRequest {
  requests += 1;
  const envelope = newEnvelope(type, fields.chatId ?? "", {
    id: `request-${requests}`,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    now: new Date("2025-01-01T00:00:00.000Z"),
  });
  const message: unknown = { ...envelope, ...fields };
  if (!Value.Check(StoreRequest, message)) throw new Error(`Not a valid ${type} request`);
  return message;
}

/** The user every request-handler test starts with. */
export const storeUser = {
  id: "u1",
  email: "ada@example.com",
  name: "Ada",
  role: "user" as const,
  passwordHash: "$argon2id$hash",
  createdAt: "2025-01-01T00:00:00.000Z",
};
