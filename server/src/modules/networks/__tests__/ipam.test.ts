import { describe, expect, it } from 'vitest';
import { cidrProblem, gatewayOf, nextFreeIp, parseCidr, randomMac, suggestCidr } from '../ipam.js';
import { inboundRuleMatch } from '../../../drivers/ovn/ovn-driver.js';
import { ovnNames, parseOvnName } from '../../../drivers/ovn/ovn-names.js';
import { parseDomIfAddr } from '../../../drivers/libvirt/virsh-parse.js';

describe('CIDRs', () => {
  it('parses network addresses and refuses host addresses when strict', () => {
    expect(parseCidr('10.200.0.0/24')).toMatchObject({ prefix: 24, text: '10.200.0.0/24' });
    expect(parseCidr('10.200.0.5/24')).toBeNull();
    expect(parseCidr('10.200.0.5/24', false)?.text).toBe('10.200.0.0/24');
    for (const t of ['10.200.0.0', '10.200.0.0/33', '256.1.1.0/24', '010.1.1.0/24', '10.1.1.0/-1', ' 10.1.1.0/24']) expect(parseCidr(t)).toBeNull();
  });

  it('says what is wrong with a network CIDR in words', () => {
    const external = { cidr: parseCidr('10.78.0.0/24')!, what: 'the external network' };
    expect(cidrProblem('10.20.0.0/24', [external])).toBeNull();
    expect(cidrProblem('0.0.0.0/0')).toMatch(/too large/);
    expect(cidrProblem('10.0.0.0/8')).toMatch(/too large/);
    expect(cidrProblem('10.0.0.0/31')).toMatch(/too small/);
    expect(cidrProblem('10.0.0.7/24')).toMatch(/did you mean 10\.0\.0\.0\/24/);
    expect(cidrProblem('100.64.0.0/24')).toMatch(/private range/);
    expect(cidrProblem('172.31.0.0/16')).toBeNull();
    expect(cidrProblem('172.32.0.0/16')).toMatch(/private range/);
    expect(cidrProblem('10.78.0.0/16', [external])).toMatch(/overlaps the external network \(10\.78\.0\.0\/24\)/);
    expect(cidrProblem('x; rm -rf /')).toMatch(/like 10\.20\.0\.0\/24/);
  });

  it('hands out addresses after the gateway, never the broadcast, lowest free first', () => {
    const c = parseCidr('10.1.0.0/29')!;
    expect(gatewayOf(c)).toBe('10.1.0.1');
    expect(nextFreeIp(c, new Set())).toBe('10.1.0.2');
    expect(nextFreeIp(c, new Set(['10.1.0.2', '10.1.0.4']))).toBe('10.1.0.3');
    expect(nextFreeIp(c, new Set(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']))).toBeNull();
  });

  it('suggests the first block of the pool clear of what is taken', () => {
    const pool = parseCidr('10.200.0.0/16')!;
    expect(suggestCidr(pool, 24, [])?.text).toBe('10.200.0.0/24');
    expect(suggestCidr(pool, 24, [parseCidr('10.200.0.0/23')!])?.text).toBe('10.200.2.0/24');
    expect(suggestCidr(parseCidr('10.200.0.0/24')!, 24, [parseCidr('10.200.0.0/24')!])).toBeNull();
  });

  it('makes QEMU-prefixed MACs', () => {
    expect(randomMac()).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });
});

describe('OVN names and matches', () => {
  const id = '0b6c1c59-4a57-4bb5-9c1f-1a2b3c4d5e6f';
  it('names every object after a database id and reads the id back', () => {
    expect(ovnNames.switch(id)).toBe(`net-${id}`);
    expect(ovnNames.port(id)).toBe(id);
    expect(ovnNames.portGroup(id)).toBe('pg_0b6c1c59_4a57_4bb5_9c1f_1a2b3c4d5e6f');
    expect(parseOvnName(ovnNames.portGroup(id))).toEqual({ kind: 'portGroup', id });
    expect(parseOvnName(`lr-${id}`)).toEqual({ kind: 'router', id });
    expect(parseOvnName(id)).toEqual({ kind: 'port', id });
    expect(parseOvnName('net-external')).toBeNull();
    expect(() => ovnNames.switch('x"; ovn-nbctl ls-del')).toThrow(/UUID/);
  });

  it('builds ACL matches from validated numbers and CIDRs only', () => {
    const pg = ovnNames.portGroup(id);
    expect(inboundRuleMatch(pg, { protocol: 'tcp', portFrom: 8080, portTo: 8080, sourceCidr: '10.200.0.0/24' }))
      .toBe(`outport == @${pg} && ip4 && ip4.src == 10.200.0.0/24 && tcp && tcp.dst == 8080`);
    expect(inboundRuleMatch(pg, { protocol: 'udp', portFrom: 5000, portTo: 5010, sourceCidr: '0.0.0.0/0' }))
      .toBe(`outport == @${pg} && ip4 && ip4.src == 0.0.0.0/0 && udp && udp.dst >= 5000 && udp.dst <= 5010`);
    expect(inboundRuleMatch(pg, { protocol: 'icmp', portFrom: null, portTo: null, sourceCidr: '10.0.0.0/8' })).toMatch(/icmp4$/);
    expect(() => inboundRuleMatch(pg, { protocol: 'tcp', portFrom: 1, portTo: 2, sourceCidr: '10.0.0.0/8 || 1' })).toThrow();
    expect(() => inboundRuleMatch(pg, { protocol: 'tcp', portFrom: 90, portTo: 80, sourceCidr: '10.0.0.0/8' })).toThrow();
  });
});

describe('guest addresses', () => {
  it('reads `virsh domifaddr --source agent` (the table virsh prints)', () => {
    const text = ` Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
 -          -                    ipv6         ::1/128
 eth0       52:54:00:39:cf:f5    ipv4         10.200.0.2/24
 -          -                    ipv4         10.200.0.9/24
`;
    expect(parseDomIfAddr(text)).toEqual({ '52:54:00:39:cf:f5': ['10.200.0.2', '10.200.0.9'] });
    expect(parseDomIfAddr('')).toEqual({});
  });
});
