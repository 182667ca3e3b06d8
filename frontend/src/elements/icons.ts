import { svg, type TemplateResult } from "lit";

/** Line icons (24-unit grid, stroked with the text colour); decorative, so hidden from screen readers. */
function icon(paths: TemplateResult): TemplateResult {
  return svg`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${paths}</svg>`;
}

export const plusIcon = icon(svg`<path d="M12 5v14M5 12h14" />`);
export const menuIcon = icon(svg`<path d="M4 6h16M4 12h16M4 18h16" />`);
export const sendIcon = icon(svg`<path d="M12 19V5M5 12l7-7 7 7" />`);
export const stopIcon = svg`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="7" y="7" width="10" height="10" rx="1.5" fill="currentColor" stroke="none" /></svg>`;
export const pencilIcon = icon(svg`<path d="M4 20h4L19 9l-4-4L4 16v4z" /><path d="M13.5 6.5l4 4" />`);
export const trashIcon = icon(svg`<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />`);
export const sunIcon = icon(
  svg`<circle cx="12" cy="12" r="4" /><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />`,
);
export const moonIcon = icon(svg`<path d="M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z" />`);
export const systemIcon = icon(
  svg`<rect x="3" y="4" width="18" height="12" rx="2" /><path d="M8 20h8M12 16v4" />`,
);
export const arrowDownIcon = icon(svg`<path d="M12 5v14M5 12l7 7 7-7" />`);
export const searchIcon = icon(svg`<circle cx="11" cy="11" r="7" /><path d="M20 20l-4-4" />`);
export const gearIcon = icon(
  svg`<circle cx="12" cy="12" r="3" /><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1" />`,
);
export const signOutIcon = icon(svg`<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10" />`);
export const retryIcon = icon(svg`<path d="M3 12a9 9 0 1 0 2.6-6.4L3 8" /><path d="M3 3v5h5" />`);
export const copyIcon = icon(
  svg`<rect x="9" y="9" width="11" height="11" rx="2" /><path d="M5 15V5a1 1 0 0 1 1-1h9" />`,
);
export const paperclipIcon = icon(
  svg`<path d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-2.8-2.8l7.8-7.8" />`,
);
export const cameraIcon = icon(svg`<path d="M4 8h3l2-3h6l2 3h3v11H4z" /><circle cx="12" cy="13" r="3.5" />`);
export const microphoneIcon = icon(
  svg`<rect x="9" y="3" width="6" height="11" rx="3" /><path d="M5 11a7 7 0 0 0 14 0M12 18v3" />`,
);
export const closeIcon = icon(svg`<path d="M6 6l12 12M18 6L6 18" />`);
export const fileIcon = icon(svg`<path d="M6 3h8l4 4v14H6z" /><path d="M14 3v4h4" />`);
export const speakerIcon = icon(
  svg`<path d="M4 9h4l5-4v14l-5-4H4z" /><path d="M16 9a4 4 0 0 1 0 6M18.5 6.5a7.5 7.5 0 0 1 0 11" />`,
);
export const moreIcon = icon(
  svg`<circle cx="5" cy="12" r="1.2" /><circle cx="12" cy="12" r="1.2" /><circle cx="19" cy="12" r="1.2" />`,
);
export const folderIcon = icon(svg`<path d="M3 6h6l2 2h10v11H3z" />`);
export const chevronIcon = icon(svg`<path d="M9 6l6 6-6 6" />`);
export const slidersIcon = icon(
  svg`<path d="M4 7h9M17 7h3M4 17h3M11 17h9" /><circle cx="15" cy="7" r="2" /><circle cx="9" cy="17" r="2" />`,
);
export const shareIcon = icon(svg`<path d="M12 15V4M8 8l4-4 4 4" /><path d="M6 12v8h12v-8" />`);
export const dashboardIcon = icon(
  svg`<rect x="3" y="3" width="7" height="9" rx="1" /><rect x="14" y="3" width="7" height="5" rx="1" /><rect x="14" y="12" width="7" height="9" rx="1" /><rect x="3" y="16" width="7" height="5" rx="1" />`,
);
export const headsetIcon = icon(
  svg`<path d="M4 15v-3a8 8 0 0 1 16 0v3" /><rect x="3" y="14" width="4" height="6" rx="1.5" /><rect x="17" y="14" width="4" height="6" rx="1.5" />`,
);
