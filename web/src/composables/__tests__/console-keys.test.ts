import { describe, expect, it } from 'vitest';
import { keyStrokesFor, typeKeyStrokes, XK_SHIFT_L } from '../console-keys';

describe('keyStrokesFor', () => {
  it('types letters, shifted characters, Enter and Tab as a US keyboard would', () => {
    expect(keyStrokesFor('aZ!\r\n\t')).toEqual([
      { keysym: 0x61, shift: false },
      { keysym: 0x5a, shift: true },
      { keysym: 0x21, shift: true },
      { keysym: 0xff0d, shift: false },
      { keysym: 0xff09, shift: false },
    ]);
  });

  it('sends Latin-1 as itself, other Unicode as a Unicode keysym, and drops other control characters', () => {
    expect(keyStrokesFor('é你\u0007')).toEqual([
      { keysym: 0xe9, shift: false },
      { keysym: 0x01000000 + 0x4f60, shift: false },
    ]);
  });
});

describe('typeKeyStrokes', () => {
  it('presses and releases each key, holding Shift around shifted ones', async () => {
    const events: [number, boolean][] = [];
    const sent = await typeKeyStrokes({ sendKey: (k, _c, down) => events.push([k, down ?? true]) }, keyStrokesFor('a:'));
    expect(sent).toBe(2);
    expect(events).toEqual([[0x61, true], [0x61, false], [XK_SHIFT_L, true], [0x3a, true], [0x3a, false], [XK_SHIFT_L, false]]);
  });
});
