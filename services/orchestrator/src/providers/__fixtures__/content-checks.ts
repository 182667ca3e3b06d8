/** The image types Anthropic's and OpenAI's vision models accept. */
const imageMediaTypes = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isImageBytes(data: unknown): boolean {
  return typeof data === "string" && base64.test(data) && Buffer.from(data, "base64").byteLength > 0;
}

/**
 * What the Messages API refuses in `messages` (docs.anthropic.com, Messages, content blocks): a
 * turn's content is a string or blocks; a text block has non-empty text; an image block is
 * `{type:"image", source:{type:"base64", media_type, data}}` of JPEG, PNG, GIF or WebP, and only in
 * a user turn. Null when the messages are valid.
 */
export function anthropicContentProblem(body: unknown): string | null {
  const messages = isRecord(body) ? body.messages : undefined;
  if (!Array.isArray(messages)) return "messages: Field required";
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return `messages.${index}: Input should be an object`;
    if (typeof message.content === "string") continue;
    if (!Array.isArray(message.content))
      return `messages.${index}.content: Input should be a string or a list`;
    for (const [blockIndex, block] of message.content.entries()) {
      const at = `messages.${index}.content.${blockIndex}`;
      if (!isRecord(block)) return `${at}: Input should be an object`;
      if (block.type === "text") {
        if (typeof block.text !== "string" || block.text.trim() === "")
          return `${at}.text: text content blocks must be non-empty`;
      } else if (block.type === "image") {
        if (message.role !== "user") return `${at}: image content blocks are only allowed in user turns`;
        const source = block.source;
        if (!isRecord(source) || source.type !== "base64")
          return `${at}.source.type: Input should be 'base64'`;
        if (!imageMediaTypes.has(String(source.media_type)))
          return `${at}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        if (!isImageBytes(source.data)) return `${at}.source.data: Invalid base64 data`;
      } else {
        return `${at}.type: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags`;
      }
    }
  }
  return null;
}

/**
 * What Chat Completions refuses in `messages` (platform.openai.com, Chat Completions, message
 * content parts): content is a string or parts; `text` parts have text; `image_url` parts (user
 * messages only) carry `image_url.url`, here a `data:` URL of a JPEG, PNG, GIF or WebP in base64 (a
 * real server would also fetch https URLs; nothing here sends one). Null when the messages are valid.
 */
export function openAIContentProblem(body: unknown): string | null {
  const messages = isRecord(body) ? body.messages : undefined;
  if (!Array.isArray(messages)) return "Missing required parameter: 'messages'.";
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return `Invalid type for 'messages[${index}]'.`;
    if (typeof message.content === "string") continue;
    if (!Array.isArray(message.content)) return `Invalid type for 'messages[${index}].content'.`;
    for (const [partIndex, part] of message.content.entries()) {
      const at = `messages[${index}].content[${partIndex}]`;
      if (!isRecord(part)) return `Invalid type for '${at}'.`;
      if (part.type === "text") {
        if (typeof part.text !== "string") return `Invalid type for '${at}.text'.`;
      } else if (part.type === "image_url") {
        if (message.role !== "user")
          return `Invalid '${at}': image_url is only supported for messages with role 'user'.`;
        const url = isRecord(part.image_url) ? part.image_url.url : undefined;
        const match = typeof url === "string" ? /^data:([^;,]+);base64,(.*)$/.exec(url) : null;
        if (!match || !imageMediaTypes.has(match[1] ?? "") || !isImageBytes(match[2])) {
          return `Invalid '${at}.image_url.url': expected a base64-encoded data URL of an image.`;
        }
      } else {
        return `Invalid value: '${String(part.type)}'. Supported values are: 'text' and 'image_url'.`;
      }
    }
  }
  return null;
}
