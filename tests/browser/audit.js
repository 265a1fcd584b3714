// The browser side of the accessibility audit (see audit.py): injected into every page with axe-core.
// It defines window.gpectAudit; nothing runs until the test calls it.
window.gpectAudit = (() => {
  const text = (element) => (element.textContent || '').replace(/\s+/g, ' ').trim();

  // Open every closed <details>, so that folded content is audited too; closeAgain() restores them.
  const openAll = () => {
    for (const details of document.querySelectorAll('details:not([open])')) {
      details.open = true;
      details.dataset.auditOpened = '';
    }
  };
  const closeAgain = () => {
    for (const details of document.querySelectorAll('details[data-audit-opened]')) {
      details.open = false;
      delete details.dataset.auditOpened;
    }
  };

  // axe-core's violations, each with the elements concerned and how to fix them.
  const axeViolations = async (disabled) => {
    const rules = Object.fromEntries(disabled.map((rule) => [rule, { enabled: false }]));
    const results = await window.axe.run(document, { resultTypes: ['violations'], rules });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map(
        (node) => `${node.target.join(' ')} — ${(node.failureSummary || '').replace(/\s+/g, ' ')}`,
      ),
    }));
  };

  const tableName = (table) => {
    const caption = table.querySelector('caption');
    const heading = table.closest('section, article, details')?.querySelector('h2, h3, h4, summary');
    return `table "${text(caption || heading || table).slice(0, 60)}"`;
  };
  const describe = (element) =>
    element.tagName.toLowerCase() +
    (element.id ? `#${element.id}` : '') +
    [...element.classList].map((name) => `.${name}`).join('');
  const right = (element) => Math.round(element.getBoundingClientRect().right);

  // The page is no wider than the screen; if it is, name the outermost elements that reach past it.
  const pageFits = (width, problems) => {
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth <= width) return;
    const past = [...document.body.querySelectorAll('*')].filter(
      (element) => element.getBoundingClientRect().width && right(element) > width && right(element.parentElement) <= width,
    );
    const culprits = past.slice(0, 3).map((element) => `${describe(element)} (${right(element)} px)`);
    problems.push(`the page is ${pageWidth} px wide on a ${width} px screen: ${culprits.join(', ')}`);
  };

  // Stacked on a phone, each data cell shows the header of its column above its content.
  const cellsLabelled = (table, problems) => {
    const headerRow = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    const headers = [];
    for (const cell of headerRow ? headerRow.cells : []) {
      for (let i = 0; i < cell.colSpan; i++) headers.push(text(cell));
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const header = headers[column];
          column += cell.colSpan;
          if (cell.tagName !== 'TD' || cell.colSpan > 1 || !header || !cell.getClientRects().length) continue;
          const shown = getComputedStyle(cell, '::before')
            .content.replace(/^"(.*)"$/, '$1')
            .replace(/\\(.)/g, '$1');
          if (shown !== header) {
            problems.push(`${tableName(table)}: a cell of the column "${header}" is not labelled with it when stacked`);
          }
        }
      }
    }
  };

  // Each column header on one line (the table is wide enough for its headers).
  const headersOnOneLine = (table, problems) => {
    for (const header of table.querySelectorAll('thead th')) {
      const range = document.createRange();
      range.selectNodeContents(header);
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      if (lines.size > 1) {
        problems.push(`${tableName(table)}: the header "${text(header)}" is cut over ${lines.size} lines`);
      }
    }
  };

  // What a reader sees of the layout: the list of problems, empty when all is well.
  const layout = ({ width, oneLineHeaders }) => {
    const problems = [];
    pageFits(width, problems);
    for (const table of document.querySelectorAll('main table, body.report table')) {
      if (!table.getClientRects().length) continue;
      // A table fits the screen, or scrolls sideways inside its own box (never the page); on a desktop
      // screen it does not need to scroll at all.
      let box = table.parentElement;
      while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
      const edge = right(box || table);
      if (edge > width) problems.push(`${tableName(table)} reaches ${edge} px, past the screen`);
      if (box && box.scrollWidth > box.clientWidth + 1 && width > 1000) {
        const sizes = `${box.scrollWidth} px in ${box.clientWidth} px`;
        problems.push(`${tableName(table)} needs scrolling sideways on a ${width} px screen (${sizes})`);
      }
      const stacked = getComputedStyle(table).display === 'block';
      if (stacked) cellsLabelled(table, problems);
      if (oneLineHeaders && !stacked) headersOnOneLine(table, problems);
    }
    return [...new Set(problems)];
  };

  return { openAll, closeAgain, axeViolations, layout };
})();
