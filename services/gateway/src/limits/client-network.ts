import { isIPv4, isIPv6 } from "node:net";

/** `[v6]:port`, `v4:port` and a zone (`%eth0`), as some proxies write them, down to the address. */
function bareAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) return bracketed[1].split("%")[0] ?? "";
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  if (withPort?.[1]) return withPort[1];
  return address.split("%")[0] ?? "";
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = "", tail] = address.split("::");
  const first = toGroups(head);
  const last = tail === undefined ? [] : toGroups(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}

/**
 * The network a client address is counted under by the per-address rate limits: an IPv4 address
 * itself (an IPv4-mapped IPv6 address, `::ffff:203.0.113.7`, as IPv4), and the /64 prefix of an
 * IPv6 address, because one subscriber usually gets a whole /64 and could otherwise take a fresh
 * address, and a fresh bucket, for every request. Anything else is its own key.
 *
 * @example
 * clientNetworkOf("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * clientNetworkOf("::ffff:203.0.113.7"); // "203.0.113.7"
 */
export function clientNetworkOf(address: string): string {
  const bare = bareAddress(address.trim());
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare.toLowerCase());
  const [mapped = 0, low = 0] = groups.slice(6);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [mapped >> 8, mapped & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}
