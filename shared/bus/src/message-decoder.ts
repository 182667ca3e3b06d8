// The contracts register the formats their schemas use (date-time, email) when loaded.
import "@chat/contracts";
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";

/** A message body turned into a value that passed its schema, or why it could not be. */
export type Decoded<M> = { ok: true; message: M } | { ok: false; reason: string };

/**
 * Parses message bodies as JSON and checks them against one schema, compiled once per consumer.
 *
 * @example
 * const decoder = new MessageDecoder<ChatCommand>(ChatCommand);
 * const decoded = decoder.decode(body);
 * if (!decoded.ok) logger.warn({ reason: decoded.reason }, "dead-lettered");
 */
export class MessageDecoder<M> {
  private readonly compiled: TypeCheck<TSchema>;

  constructor(schema: TSchema) {
    this.compiled = TypeCompiler.Compile(schema);
  }

  decode(body: string): Decoded<M> {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
    return this.check(value);
  }

  /** Checks a value that is already parsed, such as the value inside a reply. */
  check(value: unknown): Decoded<M> {
    if (this.compiled.Check(value)) return { ok: true, message: value as M };
    const problems: string[] = [];
    for (const problem of this.compiled.Errors(value)) {
      problems.push(`${problem.path || "/"}: ${problem.message}`);
      if (problems.length === 3) break;
    }
    return { ok: false, reason: `fails its schema (${problems.join("; ")})` };
  }
}
