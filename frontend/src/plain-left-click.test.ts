import { expect, test } from "bun:test";
import { isPlainLeftClick } from "./plain-left-click.ts";

const plain = { button: 0, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };

test("only the primary button without a modifier key is the app's", () => {
  expect(isPlainLeftClick(plain)).toBe(true);
  for (const modifier of ["ctrlKey", "metaKey", "shiftKey", "altKey"] as const) {
    expect({ modifier, handled: isPlainLeftClick({ ...plain, [modifier]: true }) }).toEqual({
      modifier,
      handled: false,
    });
  }
  expect(isPlainLeftClick({ ...plain, button: 1 })).toBe(false);
  expect(isPlainLeftClick({ ...plain, button: 2 })).toBe(false);
});
