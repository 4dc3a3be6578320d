// This file defines messages shared by the tests and benchmarks.

package http1_test

// browserGET is a typical browser request: about 500 bytes, 10 fields.
const browserGET = "GET /static/css/site.css?v=1718 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/css,*/*;q=0.1\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Referer: https://www.example.com/articles/2026/12/the-page.html\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=4f1c2e9a8b7d6c5e4f3a2b1c0d9e8f7a; theme=dark; lang=en\r\n" +
	"Sec-Fetch-Dest: style\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"\r\n"

// wrkGET is the request wrk sends by default.
const wrkGET = "GET / HTTP/1.1\r\nHost: localhost:8090\r\n\r\n"
