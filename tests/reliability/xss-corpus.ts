// Classic XSS payloads, shared by the injection and privacy tests.

/** Single-line payloads (they fit subjects, names and reasons as well as free text). */
export const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">click</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '</style><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<body onload=alert(1)>',
  '<input autofocus onfocus=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<scr<script>ipt>alert(1)</script>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '${alert(1)} `${alert(1)}` {{constructor.constructor("alert(1)")()}}',
  'javascript:alert(1)',
] as const;
