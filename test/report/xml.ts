/**
 * A tiny XML well-formedness check for the report tests (no npm XML parser here): tags nest
 * and close, attributes are quoted and unique, `&` only starts a known or numeric entity, and
 * `<` never appears in text or attribute values. Returns the elements found (name and
 * attributes, in document order) or throws with the position of the first problem.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Index of the parent element in the returned list, -1 for the root. */
  readonly parent: number;
  /** Text directly inside the element (entities decoded). */
  text: string;
}

const ENTITY = /^&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;

function decode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function checkText(text: string, at: number): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) throw new Error(`bad entity at ${at + i}: ${JSON.stringify(text.slice(i, i + 12))}`);
  }
}

export function parseXml(xml: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const stack: number[] = [];
  let i = 0;
  let rootClosed = false;
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root at ${i}`);
      checkText(text, i);
      (elements[stack[stack.length - 1] as number] as XmlElement).text += decode(text);
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error(`unclosed comment at ${i}`);
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      const end = xml.indexOf('>', i);
      if (m === null || end < 0) throw new Error(`bad end tag at ${i}`);
      const open = stack.pop();
      if (open === undefined || (elements[open] as XmlElement).name !== m[0]) throw new Error(`</${m[0]}> at ${i} closes ${open === undefined ? 'nothing' : `<${(elements[open] as XmlElement).name}>`}`);
      if (stack.length === 0) rootClosed = true;
      i = end + 1;
      continue;
    }
    const m = NAME.exec(xml.slice(i + 1));
    if (m === null) throw new Error(`bad tag at ${i}: ${JSON.stringify(xml.slice(i, i + 20))}`);
    if (rootClosed) throw new Error(`a second root element at ${i}`);
    const name = m[0];
    let j = i + 1 + name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(j)) as RegExpExecArray;
      j += ws[0].length;
      if (xml.startsWith('/>', j) || xml.startsWith('>', j)) break;
      if (ws[0].length === 0) throw new Error(`attributes must be separated by space at ${j}`);
      const a = NAME.exec(xml.slice(j));
      if (a === null) throw new Error(`bad attribute at ${j}: ${JSON.stringify(xml.slice(j, j + 20))}`);
      j += a[0].length;
      if (xml[j] !== '=' || (xml[j + 1] !== '"' && xml[j + 1] !== "'")) throw new Error(`attribute ${a[0]} at ${j} is not quoted`);
      const quote = xml[j + 1] as string;
      const close = xml.indexOf(quote, j + 2);
      if (close < 0) throw new Error(`unclosed attribute ${a[0]} at ${j}`);
      const value = xml.slice(j + 2, close);
      if (value.includes('<')) throw new Error(`'<' in attribute ${a[0]} at ${j}`);
      checkText(value, j + 2);
      if (a[0] in attributes) throw new Error(`duplicate attribute ${a[0]} at ${j}`);
      attributes[a[0]] = decode(value);
      j = close + 1;
    }
    const selfClosing = xml.startsWith('/>', j);
    elements.push({ name, attributes, parent: stack.length === 0 ? -1 : (stack[stack.length - 1] as number), text: '' });
    if (!selfClosing) stack.push(elements.length - 1);
    else if (stack.length === 0) rootClosed = true;
    i = j + (selfClosing ? 2 : 1);
  }
  if (stack.length > 0) throw new Error(`unclosed <${(elements[stack[stack.length - 1] as number] as XmlElement).name}>`);
  if (elements.length === 0) throw new Error('no root element');
  return elements;
}
