import type { Database, Statement } from "bun:sqlite";

/** Named parameters of a statement (`$name`). */
export type Bindings = Record<string, string | number | null>;

/** A prepared statement with named bindings, returning rows of type `Row`. */
export function prepareStatement<Row>(database: Database, sql: string): Statement<Row, [Bindings] | []> {
  return database.prepare<Row, [Bindings] | []>(sql);
}
