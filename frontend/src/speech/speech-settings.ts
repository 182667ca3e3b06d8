import type { SpeechSettings } from "@chat/contracts";
import { apiClient } from "../api-client.ts";

const noSpeechServer: SpeechSettings = { transcription: false, speech: false, maxChars: 4096 };
let loaded: Promise<SpeechSettings> | undefined;

/**
 * What the server offers for voice, asked once per page; when it cannot be asked, nothing (the
 * app then falls back to the browser's own speech, where it has it).
 */
export function speechSettings(): Promise<SpeechSettings> {
  loaded ??= apiClient.speechSettings().catch(() => {
    loaded = undefined;
    return noSpeechServer;
  });
  return loaded;
}
