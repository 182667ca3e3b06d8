import { expect, test } from "bun:test";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";

test("openapi/openapi.json (what /swagger/json serves) is a valid OpenAPI 3.1 document", async () => {
  const validator = new Validator();
  const result = await validator.validate(join(import.meta.dir, "../../openapi/openapi.json"));
  expect({ valid: result.valid, errors: result.errors, version: validator.version }).toEqual({
    valid: true,
    errors: undefined,
    version: "3.1",
  });
});
