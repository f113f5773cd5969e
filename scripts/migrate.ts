// Applies the committed SQL migrations to DATABASE_URL (creating the database if needed).
import 'dotenv/config';
import { migrate } from '../server/src/platform/migrate.js';

const url = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/campus';
const r = await migrate(url, { log: (m) => console.log(`[migrate] ${m}`) });
console.log(`[migrate] ${r.applied.length} applied, ${r.alreadyApplied.length} already up to date`);
