// Run by every kbqa HTML block (Gradio's `js_on_load`: `element`, `trigger` and `watch` are given).
// Copying a citation and jumping to a passage happen in the browser; opening a section or asking
// an example question goes to Python (`trigger` runs the block's `.click`).
element.addEventListener('click', async (event) => {
  const target = event.target.closest('[data-open], [data-ask], [data-jump], [data-copy]');
  if (!target) return;
  const data = target.dataset;
  if (data.open !== undefined) { trigger('click', {key: data.open}); return; }
  if (data.ask !== undefined) { trigger('click', {question: data.ask}); return; }
  if (data.jump !== undefined) { jump(data.jump); return; }
  if (data.label === undefined) data.label = target.textContent;  // a second click must not keep 已复制
  const copied = await copy(data.copy);
  target.textContent = copied ? '已复制' : '复制失败,请手动选择文字';
  setTimeout(() => { target.textContent = data.label; }, 2000);
});

function jump(n) {
  const passage = element.querySelector('[data-passage="' + n + '"]');
  if (!passage) return;
  const group = passage.closest('details');
  if (group) group.open = true;
  passage.scrollIntoView({behavior: 'smooth', block: 'center'});
  passage.classList.add('kbqa-flash');
  setTimeout(() => passage.classList.remove('kbqa-flash'), 1500);
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    // Plain http on a LAN address is not a secure context: fall back to a selection copy.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch (ignored) { copied = false; }
    area.remove();
    return copied;
  }
}

// On a phone a section opens below the whole outline: bring it into view (`data-reveal`).
watch('value', () => {
  const opened = element.querySelector('[data-reveal]');
  if (!opened) return;
  const top = opened.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) opened.scrollIntoView({behavior: 'smooth', block: 'start'});
});
