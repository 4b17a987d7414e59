import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditResult } from '../audit/audit-images.js';
import type { ArchiveReport, ImageReport } from '../model/image.js';
import type { ImagePackages } from '../packages/types.js';
import { renderHtmlReport } from '../report/html-report.js';
import { analyzeSharing, mergeImages, type ShareKey, type SharingReport } from '../sharing/analyze-sharing.js';
import type { CliIo } from './io.js';

/** Writes the self-contained HTML report for `--html FILE`; bars come from the sharing index. */
export function writeHtmlReport(
  io: CliIo,
  file: string,
  title: string,
  source:
    | { reports: readonly ArchiveReport[]; key?: ShareKey; packages?: ReadonlyMap<ImageReport, ImagePackages> }
    | { sharing: SharingReport },
  audit: AuditResult | null = null,
): void {
  const sharing =
    'sharing' in source
      ? source.sharing
      : analyzeSharing(
          mergeImages(source.reports.flatMap((r) => r.images.map((image) => ({ image, source: r.path })))),
          {
            key: source.key ?? 'diffId',
          },
        );
  const html = renderHtmlReport({
    title,
    sharing,
    audit,
    ...('packages' in source ? { packages: source.packages } : {}),
    generatedAt: new Date().toISOString().slice(0, 19).replace('T', ' '),
  });
  writeFileSync(resolve(io.cwd, file), html);
}
