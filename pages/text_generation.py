import streamlit as st

st.title("text_generation")
st.write("Being built.")
