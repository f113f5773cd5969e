import { describe, expect, it } from 'vitest';
import { serialText } from '../serial-log.js';

// What a guest writes to ttyS0, captured from the lab's tiny guest and a Debian cloud image's
// getty: CRLF line ends, colour and cursor escapes, a bell.
describe('serialText', () => {
  it('keeps the words and line breaks of a boot log, without what a terminal would act on', () => {
    const raw = '[    0.000000] Linux version 6.1.0-28-amd64\r\n'
      + '[\u001b[0;32m  OK  \u001b[0m] Started \u001b[0;1;39mssh.service\u001b[0m.\r\n'
      + 'Debian GNU/Linux 12 tiny ttyS0\r\n\r\ntiny login: \u0007'
      + '\u001b]0;root@tiny: ~\u0007~ # \u001b[6n\r'
      + 'CCLAB-GUEST-READY hostname=con-1 ip=10.0.0.5/24\n\ttab kept';
    expect(serialText(raw)).toBe('[    0.000000] Linux version 6.1.0-28-amd64\n'
      + '[  OK  ] Started ssh.service.\n'
      + 'Debian GNU/Linux 12 tiny ttyS0\n\ntiny login: '
      + '~ # \n'
      + 'CCLAB-GUEST-READY hostname=con-1 ip=10.0.0.5/24\n\ttab kept');
  });

  it('leaves plain text and non-ASCII alone', () => {
    expect(serialText('héllo 你好\n')).toBe('héllo 你好\n');
  });
});
