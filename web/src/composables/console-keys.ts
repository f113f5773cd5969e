// Text as VNC key presses, for "paste" into a guest that has no clipboard: X11 keysyms
// (Latin-1 characters are their own keysym; other Unicode is 0x01000000 + code point; Enter,
// Tab and BackSpace have function keysyms). Characters a US keyboard types with Shift are
// sent with Shift held: QEMU turns keysyms into scancodes and would otherwise type the
// unshifted key.

export interface KeyStroke {
  keysym: number;
  shift: boolean;
}

export const XK_SHIFT_L = 0xffe1;
const FUNCTION_KEYS: Record<string, number> = { '\n': 0xff0d, '\t': 0xff09, '\b': 0xff08 };
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');
/** Paste at most this many characters at once (a guest's keyboard buffer is small and typing takes time). */
export const MAX_PASTE_CHARS = 4000;

export function keyStrokesFor(text: string): KeyStroke[] {
  const strokes: KeyStroke[] = [];
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const fn = FUNCTION_KEYS[ch];
    if (fn !== undefined) { strokes.push({ keysym: fn, shift: false }); continue; }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) continue; // other control characters have no key
    strokes.push({ keysym: cp <= 0xff ? cp : 0x01000000 + cp, shift: SHIFTED.has(ch) });
  }
  return strokes;
}

interface KeySender {
  sendKey(keysym: number, code: string | null, down?: boolean): void;
}

/** Types the strokes, a few at a time, so the guest keeps up; resolves with how many were sent. */
export async function typeKeyStrokes(target: KeySender, strokes: readonly KeyStroke[], pauseEvery = 16, pauseMs = 15): Promise<number> {
  let sent = 0;
  for (const s of strokes) {
    if (s.shift) target.sendKey(XK_SHIFT_L, 'ShiftLeft', true);
    target.sendKey(s.keysym, null, true);
    target.sendKey(s.keysym, null, false);
    if (s.shift) target.sendKey(XK_SHIFT_L, 'ShiftLeft', false);
    sent += 1;
    if (sent % pauseEvery === 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return sent;
}
