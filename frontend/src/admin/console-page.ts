/**
 * The support console lives at `/admin` in the same page as the app. Imported before the app's
 * elements are defined, this puts `<admin-console>` in the place of `<chat-app>` on those paths,
 * so the app never starts there.
 */
export const onConsolePage = location.pathname === "/admin" || location.pathname.startsWith("/admin/");

if (onConsolePage) document.querySelector("chat-app")?.replaceWith(document.createElement("admin-console"));
