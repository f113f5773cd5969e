import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInAsNewUser } from '../flows/auth-flow';
import { BucketPage, StoragePage } from '../pages/storage-page';
import { ProfilePage } from '../pages/profile-page';
import { byTest } from '../support/dom';
import { baseUrl } from '../support/env';
import { useBrowser } from '../support/browser';
import { eventually } from '../support/wait';

// Object storage in the browser: a 20 MiB file goes to S3 in parts straight from the page
// (a part's first attempt is cut off, as a network blip would), the progress bar moves, the
// file downloads with the same bytes, and none of the bytes pass through the platform.

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

describe('object storage', () => {
  const fx = useBrowser();

  it('uploads 20 MiB in parts with progress, survives a blip, and downloads the same bytes', async () => {
    const { page } = fx;
    await signedInAsNewUser(page, 'storage');
    const storage = new StoragePage(page);
    await storage.open();
    const name = `e2e-${randomBytes(5).toString('hex')}`;
    await storage.create(name);
    await storage.bucket(name).click();
    const bucket = new BucketPage(page);
    await bucket.objectsTable.waitFor();

    const s3Puts: string[] = [];
    let platformBytes = 0;
    page.on('request', (r: Request) => {
      if (r.url().startsWith(baseUrl)) platformBytes += r.postDataBuffer()?.length ?? 0;
      else if (r.method() === 'PUT') s3Puts.push(new URL(r.url()).searchParams.get('partNumber') ?? 'single');
    });
    // Part 2's first attempt dies on the network; part 3 waits a moment (so the bar is seen mid-way).
    let cut = false;
    await page.route(/partNumber=2&/, async (route) => {
      if (!cut) {
        cut = true;
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await page.route(/partNumber=3&/, async (route) => {
      await new Promise((r) => setTimeout(r, 2_000));
      await route.continue();
    });

    const data = randomBytes(20 * MiB);
    // A file on disk (the browser reads it itself) rather than 20 MiB sent over the protocol.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'e2e-upload-')), 'big.bin');
    writeFileSync(file, data);
    await bucket.uploadInput.setInputFiles(file, { timeout: 60_000 });
    const row = bucket.upload('big.bin');
    await row.waitFor();
    const seen = new Set<number>();
    await eventually(async () => {
      seen.add(Number(await byTest(row, 'upload-progress').getAttribute('data-percent')));
      return row.getAttribute('data-state');
    }, 60_000).toBe('done');
    expect([...seen].some((p) => p > 0 && p < 100)).toBe(true);
    expect(cut).toBe(true);
    expect(s3Puts.filter((p) => p === '2')).toHaveLength(2);
    expect(new Set(s3Puts)).toEqual(new Set(['1', '2', '3']));
    expect(platformBytes).toBeLessThan(64 * 1024);
    await bucket.object('big.bin').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), bucket.downloadButton('big.bin').click()]);
    expect(download.suggestedFilename()).toBe('big.bin');
    expect(sha256(await readFile(await download.path()))).toBe(sha256(data));
  }, 120_000);

  it('creates an S3 access key on the profile page and shows its secret once', async () => {
    const { page } = fx;
    await signedInAsNewUser(page, 's3key');
    const profile = new ProfilePage(page);
    await profile.open();
    await byTest(page, 's3key-create').click();
    await page.locator('.el-message-box input').fill('laptop-rclone');
    await page.locator('.el-message-box .el-button--primary').click();
    const secret = byTest(page, 's3key-secret');
    await secret.waitFor();
    const shown = (await secret.textContent()) ?? '';
    expect(shown.length).toBeGreaterThanOrEqual(40);
    expect(await byTest(page, 's3key-id').textContent()).toMatch(/^CC[A-Z2-7]{18}$/);
    await byTest(page, 's3key-done').click();
    await eventually(() => byTest(page, 's3key-row').count()).toBe(1);
    expect(await byTest(page, 's3key-row').textContent()).toBe('laptop-rclone');
    // Once the dialog is closed, the secret is nowhere on the page any more.
    expect(await page.content()).not.toContain(shown);
  });
});
