import { describe, expect, test } from "bun:test";
import { verifyWebhookSignature, webhookSignature } from "./webhook-signature.ts";

// The test vector published with the Standard Webhooks specification.
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestampSeconds: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("webhookSignature", () => {
  test("reproduces the Standard Webhooks test vector", () => {
    expect(webhookSignature(vector.secret, vector.id, vector.timestampSeconds, vector.body)).toBe(
      vector.signature,
    );
  });

  test("verifies the vector, also among several signatures, and refuses any change", () => {
    expect(verifyWebhookSignature(vector.secret, vector.signature, vector)).toBe(true);
    expect(verifyWebhookSignature(vector.secret, `v1,bm9wZQ== ${vector.signature}`, vector)).toBe(true);
    expect(
      verifyWebhookSignature(vector.secret, vector.signature, { ...vector, body: '{"test": 2432232315}' }),
    ).toBe(false);
    expect(
      verifyWebhookSignature(vector.secret, vector.signature, { ...vector, timestampSeconds: 1614265331 }),
    ).toBe(false);
    expect(verifyWebhookSignature("whsec_bm90IHRoZSBzYW1lIGtleQ==", vector.signature, vector)).toBe(false);
  });
});
