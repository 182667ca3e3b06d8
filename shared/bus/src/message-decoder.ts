import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";

/** A message body turned into a value that passed its schema, or why it could not be. */
export type Decoded<M> = { ok: true; message: M } | { ok: false; reason: string };

const dateTimePattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The contracts mark timestamps `date-time` and addresses `email`, and TypeBox rejects any value
 * whose format nobody registered: a service that does not load Elysia (which registers them)
 * would dead-letter every envelope. Formats registered elsewhere are left alone.
 */
function registerContractFormats(): void {
  if (!FormatRegistry.Has("date-time")) {
    FormatRegistry.Set(
      "date-time",
      (value) => dateTimePattern.test(value) && !Number.isNaN(Date.parse(value)),
    );
  }
  if (!FormatRegistry.Has("email")) FormatRegistry.Set("email", (value) => emailPattern.test(value));
}

/**
 * Parses message bodies as JSON and checks them against one schema, compiled once per consumer.
 *
 * @example
 * const decoder = new MessageDecoder<ChatCommand>(ChatCommand);
 * const decoded = decoder.decode(body);
 * if (!decoded.ok) logger.warn({ reason: decoded.reason }, "dead-lettered");
 */
export class MessageDecoder<M> {
  private readonly check: TypeCheck<TSchema>;

  constructor(schema: TSchema) {
    registerContractFormats();
    this.check = TypeCompiler.Compile(schema);
  }

  decode(body: string): Decoded<M> {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (this.check.Check(value)) return { ok: true, message: value as M };
    const problems: string[] = [];
    for (const problem of this.check.Errors(value)) {
      problems.push(`${problem.path || "/"}: ${problem.message}`);
      if (problems.length === 3) break;
    }
    return { ok: false, reason: `fails its schema (${problems.join("; ")})` };
  }
}
