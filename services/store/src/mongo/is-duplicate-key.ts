import { MongoServerError } from "mongodb";

const duplicateKeyCode = 11000;

/** Whether the error is MongoDB's refusal of a write that a unique index forbids. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === duplicateKeyCode;
}
