import type { Locator, Page } from 'playwright-core';
import { byTest } from '../support/dom';
import { AppShell } from './app-shell';

/** Object storage: the bucket list, and one bucket's file browser with its uploads. */
export class StoragePage extends AppShell {
  readonly createBucket: Locator;
  readonly bucketRows: Locator;
  readonly promptInput: Locator;
  readonly promptConfirm: Locator;

  constructor(page: Page) {
    super(page);
    this.createBucket = byTest(page, 'bucket-create');
    this.bucketRows = byTest(page, 'bucket-row');
    // Element Plus's prompt box (ElMessageBox.prompt).
    this.promptInput = page.locator('.el-message-box input');
    this.promptConfirm = page.locator('.el-message-box .el-button--primary');
  }

  async open(): Promise<void> {
    await this.page.goto('/storage');
    await byTest(this.page, 'buckets-table').waitFor();
  }

  async create(name: string): Promise<void> {
    await this.createBucket.click();
    await this.promptInput.fill(name);
    await this.promptConfirm.click();
    await this.bucket(name).waitFor();
  }

  bucket(name: string): Locator {
    return this.page.locator(`[data-test="bucket-row"][data-bucket="${name}"]`);
  }
}

export class BucketPage extends AppShell {
  readonly uploadInput: Locator;
  readonly uploadRows: Locator;
  readonly objectsTable: Locator;

  constructor(page: Page) {
    super(page);
    this.uploadInput = byTest(page, 'upload-input');
    this.uploadRows = byTest(page, 'upload-row');
    this.objectsTable = byTest(page, 'objects-table');
  }

  upload(key: string): Locator {
    return this.page.locator(`[data-test="upload-row"][data-key="${key}"]`);
  }

  object(key: string): Locator {
    return this.page.locator(`[data-test="object-row"][data-key="${key}"]`);
  }

  /** The download button on an object's row. */
  downloadButton(key: string): Locator {
    return this.page.locator('.el-table__row', { has: this.object(key) }).locator('[data-test="object-download"]');
  }
}
