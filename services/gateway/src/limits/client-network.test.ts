import { describe, expect, test } from "bun:test";
import { clientNetworkOf } from "./client-network.ts";

describe("clientNetworkOf", () => {
  test("an IPv4 address is its own network", () => {
    expect(clientNetworkOf("203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetworkOf("203.0.113.7:51234")).toBe("203.0.113.7");
  });

  test("an IPv6 address counts as its /64, however it is written", () => {
    const network = "2001:db8:1:2::/64";
    for (const address of [
      "2001:db8:1:2::1",
      "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
      "2001:0DB8:0001:0002:ffff:0:0:1",
      "[2001:db8:1:2::99]:443",
      "2001:db8:1:2::5%eth0",
    ]) {
      expect(clientNetworkOf(address)).toBe(network);
    }
    expect(clientNetworkOf("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(clientNetworkOf("::1")).toBe("0:0:0:0::/64");
    expect(clientNetworkOf("2001:db8::")).toBe("2001:db8:0:0::/64");
  });

  test("an IPv4-mapped IPv6 address counts as the IPv4 address", () => {
    expect(clientNetworkOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetworkOf("::FFFF:cb00:7107")).toBe("203.0.113.7");
    expect(clientNetworkOf("[::ffff:203.0.113.7]:80")).toBe("203.0.113.7");
  });

  test("anything else is kept as it is", () => {
    expect(clientNetworkOf("unknown")).toBe("unknown");
    expect(clientNetworkOf("2001:db8::1::2")).toBe("2001:db8::1::2");
  });
});
