/** The part of the Web Speech API's recognition the app uses (Chromium names it `webkitSpeechRecognition`). */
export type BrowserSpeechRecognition = EventTarget & {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  start(): void;
  stop(): void;
  abort(): void;
  onresult:
    | ((event: {
        resultIndex: number;
        results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>;
      }) => void)
    | null;
  onend: (() => void) | null;
  onerror: ((event: { error: string }) => void) | null;
};

type RecognitionConstructor = new () => BrowserSpeechRecognition;

/** The browser's own speech recognition, or undefined where it has none (Firefox, most WebViews). */
export function browserSpeechRecognition(): RecognitionConstructor | undefined {
  const scope = globalThis as unknown as {
    SpeechRecognition?: RecognitionConstructor;
    webkitSpeechRecognition?: RecognitionConstructor;
  };
  return scope.SpeechRecognition ?? scope.webkitSpeechRecognition;
}

/** The browser's own speech synthesis, or undefined. */
export function browserSpeechSynthesis(): SpeechSynthesis | undefined {
  return typeof speechSynthesis === "undefined" ? undefined : speechSynthesis;
}
