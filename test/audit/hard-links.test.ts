/**
 * A hard-linked file one of whose names a later layer removes: the inode stays under the other
 * name (docs/design.md, Hard links), so audit counts no waste for it and sees its bytes there.
 */
import { describe, expect, it } from 'vitest';
import { auditImages } from '../../src/audit/audit-images.js';
import { parseAuditConfig } from '../../src/audit/config.js';
import type { FileRecord } from '../../src/layer/file-list.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';

const link = (path: string, target: string): FileRecord =>
  fileRecord(path, { type: 'hardlink', linkTarget: target, size: 0 });
const deleted = (path: string): FileRecord => fileRecord(path, { size: 0, whiteout: 'delete' });

describe('audit of hard links whose file a later layer removes', () => {
  it('counts no waste, and finds the documentation still there under the other name', () => {
    const manual = 3 * 1024 * 1024;
    const image = imageReport([
      layerReport(0, [
        fileRecord('usr/bin/perl', { size: 5000 }),
        link('usr/bin/perl5.36.0', 'usr/bin/perl'),
        fileRecord('opt/tool/manual.pdf', { size: manual }),
        link('usr/share/doc/tool/manual.pdf', 'opt/tool/manual.pdf'),
      ]),
      layerReport(1, [deleted('usr/bin/.wh.perl'), deleted('opt/.wh.tool')], 'RUN rm -r /usr/bin/perl /opt/tool'),
    ]);
    const config = parseAuditConfig({ budgets: [{ maxWastedSize: { warn: 1 } }] }, 'test');
    const [audit] = auditImages([image], { config, baseline: [], bases: new Map() }).images;
    expect(audit?.wastedSize).toBe(0);
    expect(audit?.findings.map((f) => [f.code, f.bytes])).toEqual([['DOCS_AND_MAN_PAGES', manual]]);
  });

  it('counts the bytes of a cache file that a hard link keeps', () => {
    const deb = 2 * 1024 * 1024;
    const image = imageReport([
      layerReport(0, [
        fileRecord('tmp/tool.deb', { size: deb }),
        link('var/cache/apt/archives/tool.deb', 'tmp/tool.deb'),
      ]),
      layerReport(1, [deleted('tmp/.wh.tool.deb')], 'RUN rm /tmp/tool.deb'),
    ]);
    const config = parseAuditConfig({ budgets: [] }, 'test');
    const [audit] = auditImages([image], { config, baseline: [], bases: new Map() }).images;
    expect(audit?.findings.map((f) => [f.code, f.bytes, f.paths])).toEqual([
      ['PACKAGE_CACHE', deb, ['var/cache/apt/archives/tool.deb']],
    ]);
  });
});
