// The API's limits the web app checks before sending. Kept as literals: importing the values from
// @chat/contracts would put the contracts (and TypeBox) in the bundle. api-limits.test.ts keeps them equal.

/** The longest message (`MAX_MESSAGE_CHARS`). */
export const maximumMessageLength = 32_000;
/** The longest search text (`MAX_SEARCH_QUERY_CHARS`). */
export const maximumSearchLength = 200;
/** The longest chat instructions (`MAX_SYSTEM_PROMPT_CHARS`). */
export const maximumSystemPromptLength = 8_000;
/** The highest chat temperature (`MAX_TEMPERATURE`). */
export const maximumTemperature = 2;
/** The longest project name (`MAX_PROJECT_NAME_CHARS`). */
export const maximumProjectNameLength = 100;
