// .proto files are imported as text: esbuild's text loader in the bundle, a loader hook in tests.
declare module '*.proto' {
  const text: string;
  export default text;
}
