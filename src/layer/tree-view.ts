import { contentBytesOf } from './layer-contents.js';
import type { Overlay } from './overlay.js';

/** A node of the final file tree with the bytes under it, for display. */
export interface TreeNode {
  readonly name: string;
  readonly path: string;
  readonly type: string;
  /** Content bytes of this path and everything below it. */
  readonly size: number;
  /** The layer the visible copy comes from; null for folders only implied by their contents. */
  readonly layerIndex: number | null;
  readonly linkTarget: string | null;
  readonly children: readonly TreeNode[];
}

interface MutableNode {
  name: string;
  path: string;
  type: string;
  size: number;
  layerIndex: number | null;
  linkTarget: string | null;
  own: number;
  children: Map<string, MutableNode>;
}

/** Folds the overlay's final paths into a tree, children sorted biggest first, then by name. */
export function treeOf(overlay: Overlay): TreeNode {
  const folder = (name: string, path: string): MutableNode => ({
    name,
    path,
    type: 'directory',
    size: 0,
    layerIndex: null,
    linkTarget: null,
    own: 0,
    children: new Map(),
  });
  const root = folder('/', '');
  for (const [path, entry] of overlay.tree) {
    const parts = path.split('/');
    let node = root;
    parts.forEach((part, i) => {
      let child = node.children.get(part);
      if (!child) {
        child = folder(part, parts.slice(0, i + 1).join('/'));
        node.children.set(part, child);
      }
      node = child;
    });
    node.type = entry.record.type;
    node.layerIndex = entry.layerIndex;
    node.linkTarget = entry.record.linkTarget;
    node.own = contentBytesOf(entry.record.type, entry.record.size, entry.record.linkTarget);
  }
  const finish = (node: MutableNode): TreeNode => {
    const children = [...node.children.values()]
      .map(finish)
      .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));
    return {
      name: node.name,
      path: node.path,
      type: node.type,
      size: node.own + children.reduce((sum, c) => sum + c.size, 0),
      layerIndex: node.layerIndex,
      linkTarget: node.linkTarget,
      children,
    };
  };
  return finish(root);
}
