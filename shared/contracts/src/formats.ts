import { FormatRegistry } from "@sinclair/typebox";

// TypeBox rejects strings of a format nobody registered; register the ones the contracts use,
// once, wherever the contracts are loaded (Elysia registers its own; these keep the same meaning).
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => dateTime.test(value) && !Number.isNaN(Date.parse(value)));
}
if (!FormatRegistry.Has("email")) FormatRegistry.Set("email", (value) => email.test(value));
