import streamlit as st

st.title("embeddings_why")
st.write("Being built.")
