import { describe, expect, it } from 'vitest';
import { KeyFormatError, parseOpenSshKey } from '../openssh-key.js';

// Keys made by ssh-keygen (OpenSSH 9 on Debian 12) and the fingerprints `ssh-keygen -lf` printed.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII+UyNBtZrGPfUW2jq0IA2UVH7cf7LW2wPj6BTwuIArX ada@laptop';
const RSA_3072 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCq8AP+GHsrrzwLBNxTqu6obFNCEa6XugFvo/GKBpco9vVLN59kLU7gN8w7zz/m/t5IZXwtZWsJJsI0STcXR5HJB57F3qPRVttBYQ0sIOxQzmqS7AG0MdK2HlejtNgt0fdtaViws8yUe35xIXvOEzWL4nhXJ8S5YT7UNmOeq1L2O9HED3/VJAWv//Gb0Ej3Ls61LLaPqxba7UmTLN5TPlBwn1DYnTO/B0rcaOvGAGYxOM4IgROqDtr5BQHvjVlJ8lBu+52ZphXtkjaITdk1pVmAllhvmJ2/0dWNmqpScULhbUNOz6R4rm/5+c9Dl0yLOm9BHdvJS9Yg1L9iXbXXLCNLNR63RQS2P+SD8KgmJRNR8QqZNLpdRnt0xXcPG3YctkaFutm5gfowZDhk3k/WhcafQjzIr6FIjFgGa49ZhmaZKeGt0JYnT6ocpUSDkTxnrUarZEO5nIuDT/A2lu29D6xsLUu7jHsKNyUQ1mmlF3D9vfaHLKbU31d0TcEXuBeQS5s= root@vm';
const RSA_1024 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDTkdjzRVl09P6dfFOuUR908WX8BCyzdJi9PamJGfRKRm4elNJJwBSPiYaeX1rD/UbveEtrieyOMwp0hakUK15KwS+SejBsbvE/KTFK52bWdNraojMw+tZ+jAh7imLIwtVvM5lrPleTBHBfhf75TKKZtTw4JBFYbWQk1uN+T04uNQ== root@vm';
const ECDSA_384 = 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKj/O6WS11V59Mu4QfI56CzF2hwLbuipqt03+32GvqDHnePxhKNsuyLiMVz9Vd4t/8PRZWNEWPXZFdzZOMLtncjged5vjv6Xqs/1FavMekyODZUna8EtPFkGOL+0BP5JrA== root@vm';

describe('parseOpenSshKey', () => {
  it('reads ed25519, ecdsa and rsa keys with the fingerprint ssh-keygen prints', () => {
    expect(parseOpenSshKey(ED25519)).toEqual({ type: 'ssh-ed25519', bits: 256, line: ED25519, comment: 'ada@laptop', fingerprint: 'SHA256:yPUbaimVc7M1pOgFURtgNhg8wPocDmXmkDVOsmXdrbA' });
    expect(parseOpenSshKey(RSA_3072)).toMatchObject({ type: 'ssh-rsa', bits: 3072, fingerprint: 'SHA256:Fo/Kgs/VUkf6gjldaqFKbncvJ+78lrxpXK3Exb4hUf4' });
    expect(parseOpenSshKey(ECDSA_384)).toMatchObject({ type: 'ecdsa-sha2-nistp384', bits: 384, fingerprint: 'SHA256:GMhXq+BdB4FiU96WKkIpUVgKOdn5V9K6/NOUccF4qyY' });
  });

  it('normalises whitespace and keeps a comment with spaces', () => {
    const [type, data] = ED25519.split(' ');
    expect(parseOpenSshKey(`  ${type}\t${data}   my   laptop \n`).line).toBe(`${type} ${data} my laptop`);
    expect(parseOpenSshKey(`${type} ${data}`).comment).toBeNull();
  });

  it('refuses short RSA keys, other types, a type that does not match its data, and garbage', () => {
    expect(() => parseOpenSshKey(RSA_1024)).toThrow('an RSA key needs at least 2048 bits; this one has 1024');
    const [, data] = ED25519.split(' ');
    expect(() => parseOpenSshKey(`ssh-rsa ${data}`)).toThrow('the key data is not a ssh-rsa key');
    expect(() => parseOpenSshKey(`ssh-dss ${data}`)).toThrow(KeyFormatError);
    expect(() => parseOpenSshKey('ssh-ed25519')).toThrow(KeyFormatError);
    expect(() => parseOpenSshKey('ssh-ed25519 not*base64')).toThrow('the key data is not base64');
    expect(() => parseOpenSshKey(`ssh-ed25519 ${data!.slice(0, 40)}`)).toThrow(KeyFormatError);
    expect(() => parseOpenSshKey(`${ED25519}\u0007`)).toThrow('control characters');
  });
});
