/** A chat read from an import file, before it is given ids of this system. */
export type SourceChat = {
  /** The chat's id in the file; with the source, it makes the imported chat's id. */
  sourceId: string;
  title: string;
  /** The model the file names, when it names one. */
  model?: string;
  systemPrompt?: string;
  temperature?: number;
  createdAt: string;
  messages: SourceMessage[];
  /** The file's id of the message that ends the path shown; null: the newest. */
  activeLeafSourceId: string | null;
};

/** A message read from an import file: its place in the tree by the file's ids. */
export type SourceMessage = {
  sourceId: string;
  parentSourceId: string | null;
  role: "user" | "assistant";
  content: string;
  createdAt: string;
  model?: string;
};

/** What a file holds: chats, and what of it could not be read, said per chat. */
export type ReadImport = {
  source: string;
  chats: SourceChat[];
  skipped: Array<{ chat: string; reason: string }>;
};
