// A tiny XML builder: elements, attributes and text, every value escaped on output. Domain
// XML is built as a tree and rendered here, never by pasting strings together.

export interface XmlElement {
  name: string;
  attrs: Record<string, string | number | undefined>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

// A name, optionally with a namespace prefix (`cc:vm`, `xmlns:cc`).
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;

/** An element; attributes whose value is undefined are left out. */
export function el(name: string, attrs: XmlElement['attrs'] = {}, ...children: Array<XmlNode | undefined | false>): XmlElement {
  if (!XML_NAME.test(name)) throw new Error(`Invalid XML element name ${JSON.stringify(name)}`);
  for (const key of Object.keys(attrs)) if (!XML_NAME.test(key)) throw new Error(`Invalid XML attribute name ${JSON.stringify(key)}`);
  return { name, attrs, children: children.filter((c): c is XmlNode => c !== undefined && c !== false) };
}

// Characters XML 1.0 cannot carry at all, even escaped.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkChars(value: string): string {
  if (NOT_XML_CHAR.test(value)) throw new Error('Text with control characters cannot be written as XML');
  return value;
}

export function escapeText(value: string): string {
  return checkChars(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function renderAttrs(attrs: XmlElement['attrs']): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}='${escapeAttr(String(v))}'`)
    .join('');
}

/** Renders with two-space indentation; an element holding only text stays on one line. */
export function renderXml(node: XmlElement, depth = 0): string {
  const pad = '  '.repeat(depth);
  const open = `${pad}<${node.name}${renderAttrs(node.attrs)}`;
  if (node.children.length === 0) return `${open}/>`;
  if (node.children.every((c) => typeof c === 'string')) {
    return `${open}>${node.children.map((c) => escapeText(String(c))).join('')}</${node.name}>`;
  }
  const inner = node.children.map((c) => (typeof c === 'string' ? `${pad}  ${escapeText(c)}` : renderXml(c, depth + 1)));
  return [`${open}>`, ...inner, `${pad}</${node.name}>`].join('\n');
}
