import { type Static, Type } from "@sinclair/typebox";

/** What the gateway can do with speech: each is false when no speech server is configured. */
export const SpeechSettings = Type.Object(
  {
    /** `POST /api/attachments/{id}/transcription` works. */
    transcription: Type.Boolean(),
    /** `POST /api/speech` works. */
    speech: Type.Boolean(),
    /** The longest text `POST /api/speech` reads aloud. */
    maxChars: Type.Integer({ minimum: 1 }),
  },
  { $id: "SpeechSettings" },
);
export type SpeechSettings = Static<typeof SpeechSettings>;

/** The text of an audio attachment, as the speech server heard it. */
export const Transcription = Type.Object(
  {
    attachmentId: Type.String(),
    text: Type.String(),
    /** The spoken language, when the server says (verbose_json). */
    language: Type.Union([Type.String(), Type.Null()]),
    /** The audio's length in seconds, when the server says (verbose_json). */
    durationSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { $id: "Transcription" },
);
export type Transcription = Static<typeof Transcription>;

/** `POST /api/speech`: a text to read aloud. */
export const SpeechBody = Type.Object(
  {
    text: Type.String({
      minLength: 1,
      maxLength: 100_000,
      description: "What to say; at most SPEECH_MAX_CHARS characters",
    }),
    voice: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9_.-]+$",
        description: "A voice of the speech server; default SPEECH_VOICE",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SpeechBody = Static<typeof SpeechBody>;
