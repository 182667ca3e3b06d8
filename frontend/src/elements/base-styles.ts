import { css } from "lit";

/**
 * Rules every element starts from: border-box sizing (shadow roots do not inherit the page's)
 * and the buttons, in `primary`, `ghost` and `quiet` variants.
 */
export const baseStyles = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button {
    font: inherit;
    font-size: 14px;
    font-weight: 550;
    border-radius: 8px;
    border: 1px solid transparent;
    padding: 8px 14px;
    cursor: pointer;
    color: inherit;
    background: transparent;
    transition: background-color 120ms ease, border-color 120ms ease, opacity 120ms ease;
  }
  button:focus-visible {
    outline: none;
    box-shadow: var(--focus-ring);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  button.primary {
    background: var(--accent);
    color: var(--accent-text);
  }
  button.primary:hover:not(:disabled) {
    background: var(--accent-strong);
  }
  button.ghost {
    border-color: var(--border);
    background: var(--surface);
  }
  button.ghost:hover:not(:disabled) {
    background: var(--surface-muted);
  }
  button.quiet {
    padding: 6px 10px;
    color: var(--text-muted);
  }
  button.quiet:hover:not(:disabled) {
    color: var(--text);
    background: var(--surface-sunken);
  }
`;
