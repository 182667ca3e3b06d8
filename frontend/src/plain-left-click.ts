/**
 * Whether a click on an in-app link is the app's to handle: the primary button without a
 * modifier key. Ctrl/⌘ (new tab), Shift (new window), Alt (download) and other buttons are left
 * to the browser, which follows the link's real `href`.
 *
 * @example
 * if (!isPlainLeftClick(event)) return;
 * event.preventDefault();
 */
export function isPlainLeftClick(
  event: Pick<MouseEvent, "button" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">,
): boolean {
  return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
}
