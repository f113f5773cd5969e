import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// The URL is only needed by `prisma migrate` where its engine exists; `prisma generate`
// runs without a database.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/campus' },
});
