import { css } from "lit";

/**
 * Rules every element starts from: border-box sizing (shadow roots do not inherit the page's),
 * a visible focus ring on everything that takes focus, a `visually-hidden` class for text only
 * screen readers need, `wide-only` for a label a phone leaves out (its button then shows its icon
 * alone, named by its `aria-label`), and the buttons, in `primary`, `ghost`, `quiet` and `icon`
 * variants.
 */
export const baseStyles = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 2px solid var(--focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @media (max-width: 760px) {
    .wide-only {
      display: none;
    }
  }
  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    font: inherit;
    font-size: 14px;
    font-weight: 550;
    line-height: 1.25;
    border-radius: 8px;
    border: 1px solid transparent;
    padding: 8px 14px;
    cursor: pointer;
    color: inherit;
    background: transparent;
    transition: background-color 120ms ease, border-color 120ms ease, color 120ms ease;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.5;
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
    background: var(--surface-sunken);
  }
  button.quiet {
    padding: 6px 10px;
    color: var(--text-muted);
  }
  button.quiet:hover:not(:disabled) {
    color: var(--text);
    background: var(--surface-sunken);
  }
  button.icon {
    padding: 0;
    width: var(--icon-button-width, 34px);
    height: 34px;
    flex: none;
    color: var(--text-muted);
  }
  button.icon:hover:not(:disabled) {
    color: var(--text);
    background: var(--surface-sunken);
  }
  button.danger {
    background: var(--danger);
    color: var(--surface);
  }
  svg.icon {
    width: 18px;
    height: 18px;
    flex: none;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      transition-duration: 0s !important;
      animation-duration: 0s !important;
    }
  }
`;
