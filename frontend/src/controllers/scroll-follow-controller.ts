import type { ReactiveController, ReactiveControllerHost } from "lit";

/** Pixels from the bottom within which the view counts as "at the latest message". */
const bottomThresholdPx = 48;

/**
 * Keeps a scrolling thread pinned to its newest text while it grows, until the user scrolls
 * up: then it stays where they are, `following` turns false (the "jump to latest" button
 * shows), and scrolling back to the bottom pins it again. Growth of any kind (a chunk, a
 * highlighted code block, the composer) is seen through a ResizeObserver.
 */
export class ScrollFollowController implements ReactiveController {
  following = true;
  private scroller: HTMLElement | undefined;
  private content: HTMLElement | undefined;
  private readonly resizeObserver = new ResizeObserver(() => this.keepPinned());
  private lastScrollTop = 0;

  private readonly onScroll = () => {
    const scroller = this.scroller;
    if (!scroller) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= bottomThresholdPx;
    const movedUp = scroller.scrollTop < this.lastScrollTop - 2;
    this.lastScrollTop = scroller.scrollTop;
    const following = atBottom || (this.following && !movedUp);
    this.setFollowing(following);
  };

  /** A wheel or touch gesture upwards means "let me read": stop following before the next chunk pulls the view down. */
  private readonly onWheel = (event: WheelEvent) => {
    if (event.deltaY < 0) this.setFollowing(false);
  };

  private readonly onKeyDown = (event: KeyboardEvent) => {
    if (["PageUp", "ArrowUp", "Home"].includes(event.key)) this.setFollowing(false);
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Watches `scroller` (the element that scrolls) and `content` (what grows inside it). */
  attach(scroller: HTMLElement | undefined, content: HTMLElement | undefined): void {
    if (scroller === this.scroller && content === this.content) return;
    this.detach();
    this.scroller = scroller;
    this.content = content;
    if (!scroller || !content) return;
    scroller.addEventListener("scroll", this.onScroll, { passive: true });
    scroller.addEventListener("wheel", this.onWheel, { passive: true });
    scroller.addEventListener("keydown", this.onKeyDown);
    this.resizeObserver.observe(content);
    this.resizeObserver.observe(scroller);
    this.keepPinned();
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.detach();
  }

  /** After the host rendered: new text may have arrived. */
  hostUpdated(): void {
    this.keepPinned();
  }

  /** Scrolls to the newest message and follows it again. */
  jumpToLatest(options: { smooth?: boolean } = {}): void {
    this.setFollowing(true);
    const scroller = this.scroller;
    if (!scroller) return;
    const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
    scroller.scrollTo({
      top: scroller.scrollHeight,
      behavior: options.smooth && !reduceMotion ? "smooth" : "auto",
    });
  }

  private keepPinned(): void {
    const scroller = this.scroller;
    if (!this.following || !scroller) return;
    scroller.scrollTop = scroller.scrollHeight;
    this.lastScrollTop = scroller.scrollTop;
  }

  private setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    this.host.requestUpdate();
  }

  private detach(): void {
    this.scroller?.removeEventListener("scroll", this.onScroll);
    this.scroller?.removeEventListener("wheel", this.onWheel);
    this.scroller?.removeEventListener("keydown", this.onKeyDown);
    this.resizeObserver.disconnect();
    this.scroller = undefined;
    this.content = undefined;
  }
}
