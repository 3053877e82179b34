// Stylesheets and other files the pages import are bundled by esbuild.
declare module '*.css';
