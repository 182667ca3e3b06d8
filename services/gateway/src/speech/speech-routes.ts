import { IdParams, SpeechBody, SpeechSettings, Transcription } from "@chat/contracts";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import type { SpeechService } from "./speech-service.ts";

/**
 * Voice: what the speech server offers (`GET /api/speech/settings`), transcription of an audio
 * attachment (`POST /api/attachments/:id/transcription`) and text read aloud (`POST /api/speech`).
 */
export function speechRoutes(dependencies: { signedIn: SignedIn; speech: SpeechService }) {
  const { speech } = dependencies;
  const errors = {
    400: "ErrorBody",
    401: "ErrorBody",
    429: "ErrorBody",
    502: "ErrorBody",
    503: "ErrorBody",
    504: "ErrorBody",
  } as const;
  const notConfigured =
    "Without SPEECH_BASE_URL it answers 503 SPEECH_NOT_CONFIGURED; the speech server's failures are 502 PROVIDER_ERROR, 503 PROVIDER_OVERLOADED or 504 PROVIDER_TIMEOUT. Counts against SPEECH_PER_USER_PER_MINUTE (429 RATE_LIMITED).";

  return new Elysia({ name: "speech-routes" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .get("/api/speech/settings", () => speech.settings(), {
      response: { 200: SpeechSettings, 401: "ErrorBody" },
      detail: {
        tags: ["speech"],
        summary: "Whether the server transcribes and reads aloud",
        description:
          "Both false when no speech server is configured: the web app then uses the browser's own speech recognition and synthesis where it has them.",
      },
    })
    .post(
      "/api/attachments/:id/transcription",
      ({ params, user, traceparent, request }) =>
        speech.transcribe(user.id, params.id, traceparent, request.signal),
      {
        params: IdParams,
        response: { 200: Transcription, ...errors, 404: "ErrorBody", 415: "ErrorBody" },
        detail: {
          tags: ["speech"],
          summary: "Transcribe an audio attachment",
          description: `The text of one of the user's audio uploads (the speech server's /audio/transcriptions with TRANSCRIPTION_MODEL); another user's attachment is 404 ATTACHMENT_NOT_FOUND, another kind of file 415. ${notConfigured}`,
        },
      },
    )
    .post(
      "/api/speech",
      async ({ body, user, request }) => {
        const audio = await speech.speak(user.id, body, request.signal);
        return new Response(audio.body, {
          headers: { "content-type": audio.mediaType, "cache-control": "private, no-store" },
        });
      },
      {
        body: SpeechBody,
        detail: {
          tags: ["speech"],
          summary: "Read a text aloud",
          description: `The text spoken by the speech server's /audio/speech (SPEECH_MODEL, \`voice\` or SPEECH_VOICE), streamed back as audio (MP3) as it arrives. At most SPEECH_MAX_CHARS characters (400 VALIDATION_FAILED). ${notConfigured}`,
          responses: {
            200: {
              description: "The audio",
              content: { "audio/mpeg": { schema: { type: "string", format: "binary" } } },
            },
            ...Object.fromEntries(
              Object.keys(errors).map((status) => [
                status,
                {
                  description: "An error",
                  content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
                },
              ]),
            ),
          },
        },
      },
    );
}
